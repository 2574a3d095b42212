// A job module as the README says not to write it: no default export.
export const square = (n: number): number => n * n;
