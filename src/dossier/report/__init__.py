"""Report stage: the server's pages as a static site (relative links, no server, no script).

Entry point: `write_report(db, out)`.
"""

from __future__ import annotations

from dossier.report.site import ReportSummary, write_report

__all__ = ["ReportSummary", "write_report"]
