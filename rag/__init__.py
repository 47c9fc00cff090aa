"""rag: grounded, cited answers from your own documents, offline."""
from .answer import Answer, Citation
from .assistant import Assistant, QuestionError
from .config import Config
from .errors import RagError
from .retrieve import Passage, Retrieval

__all__ = ["Assistant", "Answer", "Citation", "Config", "Passage", "QuestionError", "RagError", "Retrieval"]
__version__ = "0.1.0"
