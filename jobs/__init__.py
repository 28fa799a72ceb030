"""RQ job functions. Jobs take ids, never ORM objects, and run inside the app context that
``jobs.worker.AppWorker`` provides. Each is safe to run twice."""
