"""The knowledge base's operations. `search` / `KnowledgeHit` are what the conversation engine uses."""

from knowledge.services.retrieval import KnowledgeHit, named_anywhere, search

__all__ = ["KnowledgeHit", "named_anywhere", "search"]
