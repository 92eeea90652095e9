"""django-axes' database handler with one more budget: failures from one IP across every account.

Axes counts failures per e-mail + IP (AXES_LOCKOUT_PARAMETERS), so one address trying a thousand
e-mails a few times each is never stopped. Here the failures of every e-mail from the client's IP
within the cool-off are summed too; once they reach LOGIN_IP_FAILURE_LIMIT the IP is locked out on
every door (tenant /login/, both admins, the JWT endpoint) exactly as a locked e-mail is: 429, even
with the right password, until the cool-off has passed since its last failure. The budget is larger
than the per-account one so a hotel office behind one address survives a few staff typos.
"""

from __future__ import annotations

from typing import Any

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_ip_address
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest


def ip_failures(request: HttpRequest) -> int:
    """Failures from the request's IP, for any e-mail, within the cool-off."""
    ip = getattr(request, "axes_ip_address", None) or get_client_ip_address(request)
    if not ip:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=get_cool_off_threshold(request))
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class PerIPLoginHandler(AxesDatabaseHandler):
    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The e-mail + IP count, raised to the lockout limit when the IP's own budget is spent.

        Axes compares this one number with AXES_FAILURE_LIMIT both when a failure is recorded and
        before each attempt, so raising it is enough to lock the IP out at every door.
        """
        failures = super().get_failures(request, credentials)
        if ip_failures(request) >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(failures, settings.AXES_FAILURE_LIMIT)
        return failures
