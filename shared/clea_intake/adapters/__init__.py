"""Adapters to the outside world: DynamoDB, S3, SES, Step Functions, OCR providers."""
