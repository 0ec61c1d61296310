"""Running test code concurrently, each part in its own thread with its own connection."""

import threading

from django.db import connections


def run_in_threads(*targets, start_together: bool = False) -> list[Exception]:
    """Run each target in its own thread (own database connection) and return the errors raised.

    `start_together` holds every thread at a barrier until all have started, so that their
    first statements race.
    """
    barrier = threading.Barrier(len(targets)) if start_together else None
    errors: list[Exception] = []

    def run(target):
        try:
            if barrier is not None:
                barrier.wait(timeout=30)
            target()
        except Exception as exc:  # reported by the caller; a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return errors
