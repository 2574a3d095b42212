// A job module whose default export is a plain object, not defineJobs({...}) (see bad-job-modules.ts).
export default { one: (): number => 1 };
