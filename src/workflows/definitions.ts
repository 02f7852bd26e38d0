/**
 * What workflows and the operator CLI both import: search-attribute keys (and, as they arrive,
 * signals, updates and queries). Workflow-safe: no Node built-ins, no I/O.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

export const integrationKey = defineSearchAttributeKey('Integration', SearchAttributeType.KEYWORD);
export const emailKey = defineSearchAttributeKey('Email', SearchAttributeType.KEYWORD);
export const onboardingStepKey = defineSearchAttributeKey('OnboardingStep', SearchAttributeType.KEYWORD);
export const onboardingStatusKey = defineSearchAttributeKey('OnboardingStatus', SearchAttributeType.KEYWORD);

/** Every custom search attribute the service uses, as the server must register them. */
export const SEARCH_ATTRIBUTE_KEYS = [integrationKey, emailKey, onboardingStepKey, onboardingStatusKey] as const;
