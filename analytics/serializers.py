from __future__ import annotations

from rest_framework import serializers

from analytics.models import DailyAggregate, GMReport


class DailyAggregateSerializer(serializers.ModelSerializer):
    class Meta:
        model = DailyAggregate
        exclude = ["id"]


class GMReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = GMReport
        fields = ["id", "report_date", "recipient", "subject", "sent_at", "figures"]
