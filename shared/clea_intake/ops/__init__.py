"""Operations: the metrics catalogue, the CloudWatch dashboard contract and the local HTML dashboard."""
