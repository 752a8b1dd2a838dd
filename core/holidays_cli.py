"""`wasl holidays [--year HIJRI_YEAR] [--tenant SLUG]`: the Saudi public holidays Wasl computes, in both
calendars (and an association's days off, with its own days and the platform days it dropped)."""
from datetime import date, timedelta

import click
from flask.cli import with_appcontext

from core import holidays
from core.calendar import CalendarError, from_hijri, hijri_iso, to_hijri

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _range(first: date, last: date) -> str:
    days = f"{first.isoformat()} {_WEEKDAYS[first.weekday()]}"
    if last != first:
        days += f" … {last.isoformat()} {_WEEKDAYS[last.weekday()]}"
    return days


def _hijri_range(first: date, last: date) -> str:
    return hijri_iso(first) if last == first else f"{hijri_iso(first)} … {hijri_iso(last)}"


@click.command("holidays")
@click.option("--year", "year", type=int, help="Hijri year (Umm al-Qura), e.g. 1447. Default: this year.")
@click.option("--tenant", "slug", help="Also the association's days off: its own days, less the dropped ones.")
@with_appcontext
def holidays_command(year, slug):
    """Print the Saudi public holidays of a Hijri year in both calendars."""
    try:
        year = year or to_hijri(date.today()).year
        start, end = from_hijri(year, 1, 1), from_hijri(year + 1, 1, 1) - timedelta(days=1)
    except CalendarError as exc:
        raise click.UsageError(f"--year must be a year of the Umm al-Qura calendar "
                               f"({holidays.FIRST_HIJRI_YEAR}–{holidays.LAST_HIJRI_YEAR - 1})") from exc
    click.echo(f"Saudi public holidays, {year} AH ({start.isoformat()} … {end.isoformat()}), Umm al-Qura")
    rows = holidays.platform_holidays(year)
    width = max((len(h.label_en) for h in rows), default=10)
    for holiday in rows:
        click.echo(f"  {holiday.code:<14} {holiday.label_en:<{width}}  {holiday.label_ar:<12}  "
                   f"{_hijri_range(holiday.first, holiday.last):<25} AH   {_range(holiday.first, holiday.last)}"
                   f"   ({holiday.source})")
    if slug:
        _tenant_days(slug, start, end)


def _tenant_days(slug: str, start: date, end: date) -> None:
    from core import tenants
    from core.tenancy import cross_tenant_scope

    with cross_tenant_scope():
        tenant = tenants.by_slug(slug)
        if tenant is None:
            raise click.ClickException(f"no tenant with slug '{slug}'")
        days = sorted(holidays.holidays_for(tenant, start, end))
        dropped = (tenant.settings or {}).get("dropped_holidays", [])
    click.echo(f"\n{slug}: {len(days)} day(s) off besides Fridays and Saturdays"
               + (f" (dropped: {', '.join(dropped)})" if dropped else ""))
    for day in days:
        click.echo(f"  {hijri_iso(day)} AH   {day.isoformat()} {_WEEKDAYS[day.weekday()]}")
