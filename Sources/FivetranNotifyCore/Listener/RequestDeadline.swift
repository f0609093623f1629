import NIOCore

/// Closes a connection whose request does not arrive whole within `timeout` of its first byte, so a
/// client trickling headers or a body (each byte restarting the idle timer) cannot hold a connection,
/// its memory and shutdown hostage. It sits first in the pipeline and sees raw bytes: a read arms the
/// deadline, the server's first write (its answer, sent once the whole request was read) disarms it.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = ByteBuffer

    private let timeout: TimeAmount
    private var deadline: Scheduled<Void>?

    init(timeout: TimeAmount) {
        self.timeout = timeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if deadline == nil {
            let channel = context.channel
            deadline = context.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        disarm()
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    private func disarm() {
        deadline?.cancel()
        deadline = nil
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
