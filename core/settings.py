"""Reading a tenant's settings in the visitor's language."""
from core.catalog import CHANNELS, TOOLS, Entry
from core.i18n import locale_code


def _entries(tenant, key: str, custom_key: str, catalog: dict) -> list[Entry]:
    settings = tenant.settings or {}
    custom = {c["code"]: Entry(c["code"], c["label_ar"], c["label_en"]) for c in settings.get(custom_key, [])}
    return [catalog.get(code) or custom[code] for code in settings.get(key, []) if code in catalog or code in custom]


def channels(tenant) -> list[Entry]:
    """The tenant's channels in its own order, catalog and custom alike."""
    return _entries(tenant, "channels", "custom_channels", CHANNELS)


def tools(tenant) -> list[Entry]:
    return _entries(tenant, "tools", "custom_tools", TOOLS)


def channel_labels(tenant) -> list[str]:
    locale = locale_code()
    return [entry.label(locale) for entry in channels(tenant)]
