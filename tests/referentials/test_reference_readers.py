"""The one reader of each reference file shared by several apps: the RNCP export (referentials.rncp_export)
and the ROME 4.0 v460 flags (referentials.rome), on real rows of the shipped files."""

from referentials import rncp_export, rome


def test_the_rome_reader_gives_each_job_its_ecological_flag():
    jobs = rome.jobs()
    assert len(jobs) == 1584
    assert (jobs["A1101"].flag, jobs["A1101"].concerned) == (rome.WHITE, False)
    assert (jobs["A1102"].flag, jobs["A1102"].concerned) == (rome.STRATEGIC, True)
    assert jobs["A1202"] == rome.RomeJob("A1202", "Agent / Agente d'entretien des espaces naturels", rome.GREEN)


def test_the_export_reads_the_full_lineage_both_ways_and_the_ccn_links(settings):
    settings.RNCP_EXPORT_DIR = ""  # the shipped export
    export = rncp_export.current_export()
    assert export.older["RNCP37380"] == {"RNCP6981"}
    assert export.older["RNCP6981"] == {"RNCP724"} and export.newer["RNCP37380"] == {"RNCP40287"}
    assert export.newer["RNCP181"] == {"RNCP5881"} and export.older["RNCP5881"] == {"RNCP181"}
    assert rncp_export.lineage_of(" rncp5881 ").successors == ["RNCP37121"]
    # IDCC codes are compared on four digits; an unknown convention links nothing.
    assert "RNCP286" in rncp_export.fiches_of_idccs(["3246"]) and rncp_export.fiches_of_idccs(["9999"]) == set()
    assert rncp_export.fiches_of_idccs([]) == set()
    assert export.ccn_titles["3246"] == "Animation socioculturelle"
    assert all(len(code) == 4 and code.isdigit() for code in export.idcc_fiches)  # « 3005T2 » is not an IDCC
