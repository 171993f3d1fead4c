from django.apps import AppConfig


class BpfConfig(AppConfig):
    name = "formarche.bpf"
    label = "bpf"
    verbose_name = "Bilan pédagogique et financier"

    def ready(self):
        from formarche.bpf.home import bpf_block
        from formarche.ui import home

        if bpf_block not in home._PROVIDERS:
            home.register(bpf_block)

        from formarche.bpf import jobs
        from formarche.jobs.registry import register_kind

        register_kind(jobs.kind())
