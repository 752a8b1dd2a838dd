"""The service_controls module: the beneficiary file's lifecycle from 004's service-controls table.

active → frozen (1 month: documents late at a data update; 3 months: a change of address or contact not
reported) → active again when the beneficiary responds, or exclusion_due when the freeze ends without a
response (a job); exclusion is always a person's numbered decision; on the holder's death the file is
transferred to the wife or a dependant, or closed.
"""
