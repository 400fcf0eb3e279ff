import type { ValueTransformer } from 'typeorm';

/** Amounts in `numeric` columns: PostgreSQL returns them as strings, the services use numbers. */
export const numericAmount: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string) => Number(value),
};
