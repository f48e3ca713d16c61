// Building blocks shared by the response schemas: string formats, `$ref` answers, security requirements.

export const uuid = { type: 'string', format: 'uuid' } as const;
export const nullableUuid = { type: ['string', 'null'], format: 'uuid' } as const;
export const dateTime = { type: 'string', format: 'date-time' } as const;
export const nullableDateTime = { type: ['string', 'null'], format: 'date-time' } as const;
export const nullableInt = { type: ['integer', 'null'] } as const;
export const openObject = { type: 'object', additionalProperties: true } as const;

/** An answer whose body is the shared schema registered as `id` (app.addSchema), with its description. */
export const ref = (id: string, description: string) => ({ description, $ref: `${id}#` });

/** Security requirements (OpenAPI): the caller's source API key, or the admin token. */
export const SOURCE = [{ sourceApiKey: [] }];
export const ADMIN = [{ adminToken: [] }];
