"""The record of processing a page's activity runs under (the analysis job page)."""

from __future__ import annotations

from django import template

from dataprotection.activities import analysis_key
from dataprotection.models import ProcessingRecord

register = template.Library()


@register.inclusion_tag("dataprotection/_job_record.html", takes_context=True)
def job_processing_record(context, job):
    """The record of the job's kind. Records of processing hold no intelligence: whoever may
    see the job reads the purpose, legal basis and retention it runs under (the register
    itself stays the data-protection officer's)."""
    key = analysis_key(job.kind)
    record = ProcessingRecord.objects.filter(activity=key).first()
    return {"record": record, "activity": key, "perms": context.get("perms")}
