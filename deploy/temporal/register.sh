#!/bin/sh
# One-shot, in the admin-tools image, once the server answers: the namespace the worker uses and
# the search attributes its workflows set (the list in src/workflows/definitions.ts).
set -eu
ns="${TEMPORAL_NAMESPACE:-default}"
until temporal operator cluster health >/dev/null 2>&1; do sleep 2; done
temporal operator namespace describe --namespace "$ns" >/dev/null 2>&1 ||
  temporal operator namespace create --namespace "$ns" --retention "${TEMPORAL_RETENTION:-30d}"
for name in Integration Email OnboardingStep OnboardingStatus OnboardedBy; do
  temporal operator search-attribute create --namespace "$ns" --name "$name" --type Keyword 2>/dev/null || true
done
temporal operator search-attribute list --namespace "$ns"
