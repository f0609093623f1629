import NIOCore

/// Closes a connection whose request does not arrive whole within `timeout` of its first byte, so a
/// client trickling headers or a body (each byte restarting the idle timer) cannot hold a connection,
/// its memory and shutdown hostage. It sits first in the pipeline and sees raw bytes: a read starts the
/// request's clock, the server's first write (its answer, sent once the whole request was read) stops
/// it. One check per connection runs every `timeout / 2` (at most a second), so keep-alive requests
/// cost a clock read, not a timer each.
///
/// It also ends connections the server has half-closed (after a 413, with the rest of a 2 MiB body
/// unread): the client's close waits behind that unread body, so without a full close such
/// connections linger until the idle timeout and, piled up, fill `--max-connections`.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let timeout: TimeAmount
    /// When the request now arriving sent its first byte; nil between requests.
    private var requestStarted: NIODeadline?
    private var check: RepeatedTask?
    private var lingering: Scheduled<Void>?
    /// How long a half-closed connection may stay, for its last answer to reach the client.
    static let lingerAfterHalfClose: TimeAmount = .seconds(1)

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let interval = min(.seconds(1), TimeAmount.nanoseconds(max(timeout.nanoseconds / 2, 1_000_000)))
        let channel = context.channel
        let timeout = timeout
        check = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [weak self] task in
            guard let self else {
                task.cancel()
                return
            }
            if let started = self.requestStarted, NIODeadline.now() - started >= timeout {
                channel.close(promise: nil)
            }
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if requestStarted == nil { requestStarted = .now() }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        requestStarted = nil
        context.write(data, promise: promise)
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        if mode == .output, lingering == nil {
            let channel = context.channel
            lingering = context.eventLoop.scheduleTask(in: Self.lingerAfterHalfClose) { channel.close(promise: nil) }
        }
        context.close(mode: mode, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    private func stop() {
        check?.cancel()
        check = nil
        lingering?.cancel()
        lingering = nil
    }
}

/// Hummingbird adds extra handlers after HTTP decoding; this one puts a `RequestDeadlineHandler` at
/// the front of the pipeline, where the raw bytes are, and otherwise passes everything on.
final class RequestDeadlineInstaller: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let timeout: TimeAmount

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.pipeline.syncOperations.addHandler(RequestDeadlineHandler(timeout: timeout), position: .first)
    }
}
