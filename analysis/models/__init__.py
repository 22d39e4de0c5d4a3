from analysis.models.jobs import AnalysisJob
from analysis.models.products import (
    Citation,
    CitationKind,
    Dissemination,
    Product,
    ProductVersion,
)

__all__ = ["AnalysisJob", "Citation", "CitationKind", "Dissemination", "Product", "ProductVersion"]
