//! Accepting and serving connections (HTTP/1.1, keep-alive), with a graceful stop.
//!
//! Each connection runs as one task, and that task is polled again at once when it woke itself
//! while being polled (`Prompt`). hyper does that on every request with a body: the handler
//! taking the body's bytes wakes the connection that handed them over, and both run in the same
//! task. Left to the scheduler, that wake sends the task to the back of the queue and rouses an
//! idle worker thread to come and take it: on one connection, a `POST` with a small body and a
//! small error answer then took 3.7 times as long as a `GET` of the same server.

use std::convert::Infallible;
use std::future::Future;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use futures::task::AtomicWaker;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::{Service, ServiceExt as _};

/// Serves `service` on every connection `listener` accepts until `shutdown` completes, then
/// lets requests in flight finish and waits for their connections to close.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()>
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    let (stopping, stop_signal) = watch::channel(false);
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        match accepted {
            Ok((stream, _)) => {
                tokio::spawn(connection(stream, service.clone(), stop_signal.clone()));
            }
            // A peer that gave up before it was accepted costs nothing to skip.
            Err(e) if is_connection_error(&e) => {}
            // Out of file descriptors and the like: wait for some to be let go.
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    drop(listener);
    let _ = stopping.send(true);
    drop(stop_signal);
    // Every connection holds a receiver; all are gone once the last connection has closed.
    stopping.closed().await;
    Ok(())
}

fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// One connection, until the peer closes it or the server stops (then it ends after the
/// request in flight).
async fn connection<S>(stream: TcpStream, service: S, mut stop: watch::Receiver<bool>)
where
    S: Service<Request, Response = Response, Error = Infallible> + Clone + Send + 'static,
    S::Future: Send + 'static,
{
    // Answers go out whole in one write; small ones must not wait for the previous one's ack.
    let _ = stream.set_nodelay(true);
    let service = service.map_request(|req: hyper::Request<Incoming>| req.map(Body::new));
    let connection = hyper::server::conn::http1::Builder::new()
        .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    let mut connection = Prompt::new(connection);
    tokio::select! {
        biased;
        _ = &mut connection => return,
        _ = stop.wait_for(|stopping| *stopping) => {}
    }
    connection.inner().graceful_shutdown();
    let _ = connection.await;
}

/// A future polled again at once, up to [`Prompt::AGAIN`] times in a row, when it woke itself
/// while being polled; wakes from elsewhere (the socket, a timer) reach the task as usual.
struct Prompt<F> {
    /// Boxed so that `Prompt` moves freely (one allocation per connection).
    future: Pin<Box<F>>,
    wake: Arc<SelfWake>,
    waker: Waker,
}

/// What a [`Prompt`]'s future was handed as its waker.
struct SelfWake {
    state: AtomicU8,
    task: AtomicWaker,
}

const IDLE: u8 = 0;
const POLLING: u8 = 1;
const WOKEN_WHILE_POLLING: u8 = 2;

impl Wake for SelfWake {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        match self.state.compare_exchange(
            POLLING,
            WOKEN_WHILE_POLLING,
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) | Err(WOKEN_WHILE_POLLING) => {}
            Err(_) => self.task.wake(),
        }
    }
}

impl<F: Future> Prompt<F> {
    /// Self-wakes absorbed in a row before the task yields (so a future that keeps waking
    /// itself, as one out of its scheduler budget does, lets other tasks run).
    const AGAIN: usize = 4;

    fn new(future: F) -> Self {
        let wake = Arc::new(SelfWake {
            state: AtomicU8::new(IDLE),
            task: AtomicWaker::new(),
        });
        Self {
            future: Box::pin(future),
            waker: Waker::from(wake.clone()),
            wake,
        }
    }

    fn inner(&mut self) -> Pin<&mut F> {
        self.future.as_mut()
    }
}

impl<F: Future> Future for Prompt<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let Self {
            future,
            wake,
            waker,
        } = self.get_mut();
        wake.task.register(cx.waker());
        let mut inner_cx = Context::from_waker(waker);
        for _ in 0..Self::AGAIN {
            wake.state.store(POLLING, Ordering::Release);
            if let Poll::Ready(output) = future.as_mut().poll(&mut inner_cx) {
                wake.state.store(IDLE, Ordering::Release);
                return Poll::Ready(output);
            }
            if wake
                .state
                .compare_exchange(POLLING, IDLE, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
            {
                return Poll::Pending;
            }
        }
        wake.state.store(IDLE, Ordering::Release);
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    /// Ready on its `ready_at`-th poll; wakes itself on each poll before that when `itself`,
    /// else leaves the wake to the test.
    struct Counting {
        polls: Arc<AtomicUsize>,
        ready_at: usize,
        itself: bool,
        waker: Arc<std::sync::Mutex<Option<Waker>>>,
    }

    impl Future for Counting {
        type Output = usize;
        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<usize> {
            let n = self.polls.fetch_add(1, Ordering::SeqCst) + 1;
            if n >= self.ready_at {
                return Poll::Ready(n);
            }
            if self.itself {
                cx.waker().wake_by_ref();
            } else {
                *self.waker.lock().unwrap() = Some(cx.waker().clone());
            }
            Poll::Pending
        }
    }

    /// A waker counting how often the task was woken.
    struct TaskWakes(AtomicUsize);
    impl Wake for TaskWakes {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// A [`Prompt`] over a [`Counting`] future, and what a test reads: the future's polls, the
    /// task's wakes, the task's waker, and the waker the future kept (when not `itself`).
    struct Rig {
        prompt: Prompt<Counting>,
        polls: Arc<AtomicUsize>,
        task: Arc<TaskWakes>,
        waker: Waker,
        kept: Arc<std::sync::Mutex<Option<Waker>>>,
    }

    impl Rig {
        fn new(ready_at: usize, itself: bool) -> Self {
            let polls = Arc::new(AtomicUsize::new(0));
            let kept = Arc::new(std::sync::Mutex::new(None));
            let future = Counting {
                polls: polls.clone(),
                ready_at,
                itself,
                waker: kept.clone(),
            };
            let task = Arc::new(TaskWakes(AtomicUsize::new(0)));
            Self {
                prompt: Prompt::new(future),
                polls,
                waker: Waker::from(task.clone()),
                task,
                kept,
            }
        }

        fn poll(&mut self) -> Poll<usize> {
            Pin::new(&mut self.prompt).poll(&mut Context::from_waker(&self.waker))
        }

        fn polls(&self) -> usize {
            self.polls.load(Ordering::SeqCst)
        }

        fn task_wakes(&self) -> usize {
            self.task.0.load(Ordering::SeqCst)
        }
    }

    #[test]
    fn a_self_wake_is_polled_again_at_once_without_waking_the_task() {
        let mut rig = Rig::new(3, true);
        assert_eq!(rig.poll(), Poll::Ready(3));
        assert_eq!((rig.polls(), rig.task_wakes()), (3, 0));
    }

    #[test]
    fn a_future_that_keeps_waking_itself_yields_to_the_task_after_a_few_polls() {
        let mut rig = Rig::new(100, true);
        assert!(rig.poll().is_pending());
        assert_eq!(
            (rig.polls(), rig.task_wakes()),
            (Prompt::<Counting>::AGAIN, 1)
        );
    }

    #[test]
    fn a_wake_from_elsewhere_after_the_poll_reaches_the_task() {
        let mut rig = Rig::new(2, false);
        assert!(rig.poll().is_pending());
        assert_eq!((rig.polls(), rig.task_wakes()), (1, 0));
        let kept = rig.kept.lock().unwrap().take().unwrap();
        std::thread::spawn(move || kept.wake()).join().unwrap();
        assert_eq!(rig.task_wakes(), 1);
        assert_eq!(rig.poll(), Poll::Ready(2));
        assert_eq!(rig.polls(), 2);
    }

    #[tokio::test]
    async fn a_stop_lets_the_request_in_flight_finish_and_refuses_new_connections() {
        let router = axum::Router::new().route(
            "/slow",
            axum::routing::get(|| async {
                tokio::time::sleep(Duration::from_millis(300)).await;
                "done"
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let server = tokio::spawn(serve(listener, router, async move {
            let _ = stopped.await;
        }));
        let client = crate::client::http_client(crate::client::Timeouts::default());
        let request = tokio::spawn(client.get(format!("http://{addr}/slow")).send());
        tokio::time::sleep(Duration::from_millis(100)).await;
        stop.send(()).unwrap();
        let answer = request.await.unwrap().unwrap();
        assert_eq!(answer.status(), 200);
        assert_eq!(answer.text().await.unwrap(), "done");
        let served = tokio::time::timeout(Duration::from_secs(5), server).await;
        assert!(matches!(served, Ok(Ok(Ok(())))), "{served:?}");
        assert!(TcpStream::connect(addr).await.is_err());
    }
}
