from __future__ import annotations

from rest_framework import serializers

from analytics.models import DailyAggregate, GMReport


class DailyAggregateSerializer(serializers.ModelSerializer):
    live = serializers.SerializerMethodField(help_text="Computed on request (today): not final yet.")

    class Meta:
        model = DailyAggregate
        exclude = ["id"]

    def get_live(self, row: DailyAggregate) -> bool:
        return bool(getattr(row, "live", False))


class GMReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = GMReport
        fields = ["id", "report_date", "recipient", "subject", "sent_at", "figures"]
