import { ZxcvbnFactory } from '@zxcvbn-ts/core';
import * as common from '@zxcvbn-ts/language-common';
import * as english from '@zxcvbn-ts/language-en';
import type { FieldError } from '../../../platform/http/problem';

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

let estimator: ZxcvbnFactory | undefined;

/** zxcvbn with the common-password and English dictionaries (built once, ~MBs of lists). */
function strength(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    translations: english.translations,
    graphs: common.adjacencyGraphs,
    dictionary: { ...common.dictionary, ...english.dictionary },
  });
  return estimator;
}

export interface PasswordContext {
  email: string;
  displayName?: string | null;
  minScore: number;
}

/**
 * Every rule the password breaks (empty when it is acceptable): length bounds, the email's
 * local part inside it, and a zxcvbn strength score below the configured minimum.
 */
export function checkPassword(password: string, context: PasswordContext, field = 'password'): FieldError[] {
  const failures: FieldError[] = [];
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    failures.push({ field, code: 'too_short', message: `Use at least ${PASSWORD_MIN_LENGTH} characters.` });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    failures.push({ field, code: 'too_long', message: `Use at most ${PASSWORD_MAX_LENGTH} characters.` });
    return failures; // do not feed huge inputs to the estimator
  }
  const localPart = context.email.split('@')[0]?.toLowerCase() ?? '';
  if (localPart.length >= 3 && password.toLowerCase().includes(localPart)) {
    failures.push({ field, code: 'contains_email', message: 'Do not include your email address in the password.' });
  }
  const inputs = [context.email, localPart, context.displayName ?? ''].filter((v) => v.length > 0);
  const result = strength().check(password, inputs);
  if (result.score < context.minScore) {
    const hint = [result.feedback.warning, ...result.feedback.suggestions].filter(Boolean).join(' ');
    failures.push({
      field,
      code: 'too_weak',
      message: `Too easy to guess (strength ${result.score}/4, need ${context.minScore}).${hint ? ` ${hint}` : ''}`,
    });
  }
  return failures;
}
