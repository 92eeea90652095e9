"""The knowledge base's operations. `search` / `KnowledgeHit` are what the conversation engine uses."""

from knowledge.services.retrieval import KnowledgeHit, search

__all__ = ["KnowledgeHit", "search"]
