// A job module that throws while loading, with a cause.
throw new Error("no config", { cause: new Error("missing file") });
