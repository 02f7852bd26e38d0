/** The closed sets of LOG_FORMAT and LOG_LEVEL (kept apart from the logger so that config.ts does not load pino). */
import type { LogLevel } from '@temporalio/common';

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'] as const satisfies readonly LogLevel[];
