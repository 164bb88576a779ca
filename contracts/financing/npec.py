"""NPEC resolution for the simulator and the contract decision (FINANCING.md §6)."""

from contracts.financing.io import NpecResolution, SimulationRequest


def resolve_npec_from_referential(request: SimulationRequest) -> NpecResolution:
    """From the imported referential: the NPEC of (RNCP, CPNE of the IDCC) in force at the signature
    date, or none; the valeur d'amorçage in force for the level; whether the certification is on the
    list exempt from the distance minoration (arrêté of 26 November 2025)."""
    from branches.npec import amorcage_on, is_exempt_from_distance_minoration, lookup_npec

    on = request.engine_input.signature_date
    amorcage = amorcage_on(request.engine_input.certification_level, on)
    exempt = is_exempt_from_distance_minoration(request.rncp)
    found = lookup_npec(rncp=request.rncp, idcc=request.idcc, cpne=request.cpne, on=on) if request.rncp else None
    if found is None:
        return NpecResolution(None, amorcage=amorcage, distance_exempt=exempt)
    if found.amount is None:
        label = f"NPEC non communiqué (NC) — {found.describe()} : valeur d'amorçage"
        return NpecResolution(None, label, amorcage, exempt)
    return NpecResolution(found.amount, found.describe(), amorcage, exempt)
