from analysis.models.jobs import AnalysisJob
from analysis.models.products import Product

__all__ = ["AnalysisJob", "Product"]
