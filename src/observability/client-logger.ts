/**
 * The HTTP clients' logger: inside an activity their lines go through the activity's logger (so
 * they carry its workflowId, activityType, …), elsewhere through the worker's.
 */
import { Context } from '@temporalio/activity';
import type { Logger } from '@temporalio/common';
import type { ClientLogger } from '../clients/http/json-client';

function current(fallback: Logger): Logger {
  try {
    return Context.current().log;
  } catch {
    return fallback; // not in an activity
  }
}

export function clientLogger(fallback: Logger): ClientLogger {
  return {
    debug: (message, meta) => current(fallback).debug(message, meta),
    warn: (message, meta) => current(fallback).warn(message, meta),
  };
}
