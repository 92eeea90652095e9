"""The AI core: language, sanitising, mode selection, prompts, providers with failover."""
