"""What the benchmarks' guests ask: the test knowledge base's questions (testsupport.knowledge) in English
and Malay, and one it cannot answer (the unanswered path is part of a real night's load)."""

QUESTIONS = [
    "What time is breakfast served?",
    "Pukul berapa kolam renang dibuka?",
    "How much is parking for hotel guests?",
    "Boleh saya bawa kucing saya ke hotel?",
    "What time is check-out?",
    "Do you have a casino?",
    "Is there a gym?",
    "Di mana surau hotel?",
]
