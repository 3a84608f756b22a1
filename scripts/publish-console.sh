#!/bin/sh
# Publish the operations console's pages to a deployed stack: the static files of shared/clea_intake/console/static
# and the config.json the pages read (the user pool's client and Cognito's endpoint), into the stack's assets
# bucket, then a CloudFront invalidation so that staff get them at once.
#
#   scripts/publish-console.sh <stack name> [region]      (make console-assets STACK=clea-intake-prod)
#
# It reads the stack's outputs (ConsoleAssetsBucketName, ConsoleUserPoolClientId, ConsoleDistributionId,
# ConsoleUrl) with the AWS CLI and the caller's credentials. Run it after every deploy that changes the pages.
set -eu

STACK=${1:?usage: $0 <stack name> [region]}
REGION=${2:-${AWS_REGION:-eu-west-3}}
HERE=$(cd "$(dirname "$0")/.." && pwd)
STATIC="$HERE/shared/clea_intake/console/static"
AWS=${AWS_CLI:-aws}

output() {
  "$AWS" cloudformation describe-stacks --region "$REGION" --stack-name "$STACK" \
    --query "Stacks[0].Outputs[?OutputKey=='$1'].OutputValue" --output text
}

BUCKET=$(output ConsoleAssetsBucketName)
CLIENT=$(output ConsoleUserPoolClientId)
DISTRIBUTION=$(output ConsoleDistributionId)
URL=$(output ConsoleUrl)
for value in "$BUCKET" "$CLIENT" "$DISTRIBUTION"; do
  case "$value" in ""|None) echo "stack $STACK ($REGION) has no console outputs: deploy template.yaml first" >&2; exit 1;; esac
done

CONFIG=$(mktemp)
trap 'rm -f "$CONFIG"' EXIT
# The same keys as the local stack's /console/config.json (clea_intake.local.console).
printf '{"clientId": "%s", "cognitoEndpoint": "https://cognito-idp.%s.amazonaws.com/", "region": "%s"}\n' \
  "$CLIENT" "$REGION" "$REGION" > "$CONFIG"

# no-cache: CloudFront and browsers ask again after a deploy (the distribution adds no-store for browsers anyway).
"$AWS" s3 sync "$STATIC" "s3://$BUCKET/" --region "$REGION" --delete --exclude config.json --cache-control no-cache
"$AWS" s3 cp "$CONFIG" "s3://$BUCKET/config.json" --region "$REGION" --content-type application/json \
  --cache-control no-cache
"$AWS" cloudfront create-invalidation --distribution-id "$DISTRIBUTION" --paths "/*" > /dev/null
echo "console published: $URL"
