"""NPEC resolution for the simulator and the contract decision (FINANCING.md §6)."""

from contracts.financing.io import NpecResolution, SimulationRequest


def resolve_npec_from_referential(request: SimulationRequest) -> NpecResolution:
    """The NPEC of (RNCP, CPNE of the IDCC) in force at the signature date, from the imported
    referential; NpecResolution(None) when there is none (the caller falls back on amorçage)."""
    from branches.npec import lookup_npec

    found = lookup_npec(
        rncp=request.rncp, idcc=request.idcc, cpne=request.cpne, on=request.engine_input.signature_date
    )
    if found is None:
        return NpecResolution(None)
    if found.amount is None:
        return NpecResolution(None, f"NPEC non communiqué (NC) pour {found.describe()} : valeur d'amorçage")
    return NpecResolution(found.amount, found.describe())
