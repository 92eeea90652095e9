"""What the load benchmarks' guests ask: the fixture hotel's everyday topics, in English and Malay.

No Django here: `chaos.py` imports it before (and without) setting Django up.
"""

from __future__ import annotations

HOTEL_QUESTIONS = [
    "What time is breakfast served?",
    "Pukul berapa kolam renang dibuka?",
    "How much is parking for hotel guests?",
    "Boleh saya bawa kucing saya ke hotel?",
    "What time is check-out?",
    "Is there a gym?",
    "Di mana surau hotel?",
]
