from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "formarche.billing"
    verbose_name = "Validation et facturation"

    def ready(self):
        from formarche.attendance.locks import register_period_provider
        from formarche.billing.month_locks import PeriodMonthLocks

        register_period_provider(PeriodMonthLocks())

        from formarche.billing import jobs
        from formarche.jobs.registry import register_kind

        register_kind(jobs.kind())
