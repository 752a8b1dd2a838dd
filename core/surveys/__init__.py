"""Satisfaction surveys (قياس رضا المستفيد): one-time links after a service or a programme, aggregates only."""
