""""Registered at another charity?" answered on the platform without any ID crossing tenants in clear.

Every live file (active, frozen, exclusion due) of every association is listed in one platform table as
an HMAC of its national ID under a platform secret (`REGISTRY_HMAC_KEY`). A check hashes the asked ID
the same way and reads only that table: the answer is yes or no, and the other association's name only
where that association allows it. The check needs the beneficiary's recorded consent, is rate-limited,
and is audited in the asking association and in every association that held the ID.
"""
