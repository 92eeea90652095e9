"""Lead operations (tenant schema: always called inside the property's schema).

- `schema`: the extracted fields and the validators every extraction goes through (rules or an LLM)
- `extraction` + `dates`: the offline rules (English and Bahasa Malaysia)
- `catalogue`: the property's room types and rates (and the hook other apps register into)
- `rubric`: the auditable score, confidence, qualification, priority and estimated value
- `leads`: upsert from a conversation, staff updates, consent record, the review queue
- `consent`: the words of lead capture (next question, summary, YES/NO request with buttons, reading the reply)
"""
