import { deliveryUrlProblem } from './admin';

/**
 * Fields whose schema problems are said by a check that reads the value (a schema's `'x-explain': name`): the
 * schema's pattern and format can only say the general rule ("an http(s) URL in RFC 3986 characters …"), where the
 * value shows what is wrong with it (a port over 65535, `%zz`). Each returns undefined when it finds nothing to say,
 * and the field's `x-error-message` is said instead (api/plugins/errorHandler.ts).
 */
export const EXPLAINERS: Record<string, (value: string) => string | undefined> = {
  deliveryUrl: deliveryUrlProblem,
};
