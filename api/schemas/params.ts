/** Route params shared by every `/:id` endpoint: ids are UUIDs, and anything else is a 400 naming `id`. */
export const idParamsSchema = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', format: 'uuid' } },
} as const;
