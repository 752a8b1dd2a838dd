"""Programs (Irth's «آلية التأكد من استحقاق المستفيدين»): programs that need registration and programs
that need a personal interview — announcement, registration online and in person, fees and receipt
vouchers, interviews, daily attendance and the program's report.

Two optional modules switch it on: `program_registration` and `program_interviews`.
"""
REGISTRATION_MODULE = "program_registration"
INTERVIEW_MODULE = "program_interviews"
MODULES = (REGISTRATION_MODULE, INTERVIEW_MODULE)


def modules_on(tenant) -> set[str]:
    """Which of the two program modules the tenant has on."""
    return set(MODULES) & set((tenant.settings or {}).get("modules", []))


def enabled(tenant) -> bool:
    """Programs exist for this tenant at all (either module on)."""
    return bool(modules_on(tenant))
