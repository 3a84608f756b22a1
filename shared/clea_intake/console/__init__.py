"""The operations console: an HTTP API for the Région's staff (review queue, cases), signed in with Cognito."""
