// A job module whose default export is a plain object, not defineJobs({...}).
export default { square: (n: number): number => n * n };
