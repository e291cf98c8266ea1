import CCurl
import Foundation
import MarketCore

#if canImport(Glibc)
import Glibc
#endif

public enum CurlError: Error {
    /// libcurl could not make a multi handle (out of memory).
    case noMultiHandle
}

/// One webhook request: a signed JSON `POST`.
public struct WebhookRequest: Sendable {
    public let url: String
    public let headers: [(name: String, value: String)]
    public let body: Data
    /// Whether the connection may reach private, loopback and link-local addresses (hosts the
    /// operator allows); otherwise such an address is refused when curl connects (SSRF guard).
    public let allowPrivateAddresses: Bool

    public init(url: String, headers: [(name: String, value: String)], body: Data, allowPrivateAddresses: Bool) {
        self.url = url
        self.headers = headers
        self.body = body
        self.allowPrivateAddresses = allowPrivateAddresses
    }
}

/// What a request came to. `statusCode` is `nil` when no HTTP answer came (refused, timed out,
/// a forbidden address); `error` is curl's text then. `cancelled` when the transport stopped first.
public struct WebhookResponse: Sendable, Equatable {
    public var statusCode: Int?
    public var durationMilliseconds: Int
    public var error: String?
    /// The first 1 KiB of the body.
    public var bodyExcerpt: String
    /// `Retry-After` in seconds, when the receiver sent one.
    public var retryAfter: TimeInterval?
    public var cancelled = false
}

/// Sends webhook requests with libcurl's multi interface, many in flight at once with
/// connection reuse, on one thread of its own: curl blocks, so it never runs on the cooperative
/// pool. Each request has a total timeout (15 s unless told), follows no redirects, speaks only
/// HTTP(S) and connects only to public addresses unless allowed.
///
/// Thread-safety: `queue` and `stopping` are guarded by `lock`; every curl handle is touched
/// only by the transport's thread.
public final class CurlTransport: @unchecked Sendable {
    public static let defaultTimeout: TimeInterval = 15
    public static let excerptLimit = 1024
    private let timeout: TimeInterval

    private let lock = NSLock()
    private var queue: [(WebhookRequest, CheckedContinuation<WebhookResponse, Never>)] = []
    private var stopping = false
    private let multi: UnsafeMutableRawPointer
    private let userAgent: String
    private var thread: Thread?

    /// Starts the transport's thread; throws when libcurl cannot make a multi handle.
    public init(userAgent: String, timeout: TimeInterval = CurlTransport.defaultTimeout) throws {
        self.timeout = timeout
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
        guard let multi = curl_multi_init() else { throw CurlError.noMultiHandle }
        self.multi = multi
        self.userAgent = userAgent
        _ = cc_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
        let thread = Thread { [self] in self.loop() }
        thread.name = "supportmarket.webhooks.curl"
        self.thread = thread
        thread.start()
    }

    /// Sends `request` and returns what came back; never throws (failures are in the response).
    public func send(_ request: WebhookRequest) async -> WebhookResponse {
        await withCheckedContinuation { continuation in
            let accepted = lock.withLock { () -> Bool in
                guard !stopping else { return false }
                queue.append((request, continuation))
                return true
            }
            if accepted {
                curl_multi_wakeup(multi)
            } else {
                continuation.resume(returning: WebhookResponse(
                    statusCode: nil, durationMilliseconds: 0, error: "the transport has stopped", bodyExcerpt: "", cancelled: true))
            }
        }
    }

    /// Stops the thread; requests in flight or queued answer `cancelled` (their deliveries stay
    /// pending and are sent again on the next start).
    public func shutdown() {
        lock.withLock { stopping = true }
        curl_multi_wakeup(multi)
    }

    // MARK: The transport's thread

    /// The state of one transfer, reached from curl's callbacks through their user-data pointer.
    private final class Transfer {
        let continuation: CheckedContinuation<WebhookResponse, Never>
        let allowPrivateAddresses: Bool
        let started = ContinuousClock.now
        var headerList: UnsafeMutablePointer<curl_slist>?
        var body = [UInt8]()
        var refusedAddress: String?

        init(continuation: CheckedContinuation<WebhookResponse, Never>, allowPrivateAddresses: Bool) {
            self.continuation = continuation
            self.allowPrivateAddresses = allowPrivateAddresses
        }
    }

    private func loop() {
        var transfers: [UnsafeMutableRawPointer: Transfer] = [:]
        while true {
            let (incoming, stop) = lock.withLock { () -> ([(WebhookRequest, CheckedContinuation<WebhookResponse, Never>)], Bool) in
                let taken = queue
                queue = []
                return (taken, stopping)
            }
            if stop {
                for (_, continuation) in incoming { continuation.resume(returning: Self.cancelled) }
                for (easy, transfer) in transfers {
                    curl_multi_remove_handle(multi, easy)
                    finish(easy, transfer, response: Self.cancelled)
                }
                curl_multi_cleanup(multi)
                return
            }
            for (request, continuation) in incoming {
                let transfer = Transfer(continuation: continuation, allowPrivateAddresses: request.allowPrivateAddresses)
                guard let easy = start(request, transfer) else {
                    continuation.resume(returning: WebhookResponse(
                        statusCode: nil, durationMilliseconds: 0, error: "curl could not start the request", bodyExcerpt: ""))
                    continue
                }
                transfers[easy] = transfer
            }
            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var result = CURLE_OK
            while let handle = cc_multi_next_done(multi, &result) {
                guard let transfer = transfers.removeValue(forKey: handle) else { continue }
                curl_multi_remove_handle(multi, handle)
                finish(handle, transfer, response: response(of: handle, transfer, result: result))
            }
            var ready: Int32 = 0
            curl_multi_poll(multi, nil, 0, 1_000, &ready)
        }
    }

    private static let cancelled = WebhookResponse(
        statusCode: nil, durationMilliseconds: 0, error: "the transport stopped", bodyExcerpt: "", cancelled: true)

    /// A configured easy handle added to the multi handle, or `nil`.
    private func start(_ request: WebhookRequest, _ transfer: Transfer) -> UnsafeMutableRawPointer? {
        guard let handle = curl_easy_init() else { return nil }
        let context = Unmanaged.passUnretained(transfer).toOpaque()
        _ = cc_easy_setopt_string(handle, CURLOPT_URL, request.url)
        _ = cc_easy_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "http,https")
        _ = cc_easy_setopt_string(handle, CURLOPT_USERAGENT, userAgent)
        _ = cc_easy_setopt_long(handle, CURLOPT_POST, 1)
        _ = cc_easy_setopt_long(handle, CURLOPT_POSTFIELDSIZE, request.body.count)
        request.body.withUnsafeBytes { bytes in
            // COPYPOSTFIELDS copies the body, so it need not outlive this call.
            _ = cc_easy_setopt_pointer(handle, CURLOPT_COPYPOSTFIELDS, UnsafeMutableRawPointer(mutating: bytes.baseAddress))
        }
        _ = cc_easy_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeout * 1_000))
        _ = cc_easy_setopt_long(handle, CURLOPT_FOLLOWLOCATION, 0)
        _ = cc_easy_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        var list: UnsafeMutablePointer<curl_slist>? = curl_slist_append(nil, "Content-Type: application/json")
        for header in request.headers { list = curl_slist_append(list, "\(header.name): \(header.value)") }
        list = curl_slist_append(list, "Expect:")
        transfer.headerList = list
        _ = cc_easy_setopt_slist(handle, CURLOPT_HTTPHEADER, list)
        _ = cc_easy_setopt_write_callback(handle) { data, size, count, userdata in
            guard let data, let userdata else { return 0 }
            let transfer = Unmanaged<Transfer>.fromOpaque(userdata).takeUnretainedValue()
            let length = size * count
            let room = CurlTransport.excerptLimit - transfer.body.count
            if room > 0 {
                data.withMemoryRebound(to: UInt8.self, capacity: length) { bytes in
                    transfer.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: min(room, length)))
                }
            }
            return length
        }
        _ = cc_easy_setopt_pointer(handle, CURLOPT_WRITEDATA, context)
        _ = cc_easy_setopt_opensocket(handle) { clientp, _, address in
            guard let clientp, let address else { return -1 }
            let transfer = Unmanaged<Transfer>.fromOpaque(clientp).takeUnretainedValue()
            if !transfer.allowPrivateAddresses, let reason = CurlTransport.refusal(of: address) {
                transfer.refusedAddress = reason
                return -1  // CURL_SOCKET_BAD: curl reports that it could not connect
            }
            return cc_open_socket(address)
        }
        _ = cc_easy_setopt_pointer(handle, CURLOPT_OPENSOCKETDATA, context)
        guard curl_multi_add_handle(multi, handle) == CURLM_OK else {
            curl_slist_free_all(list)
            curl_easy_cleanup(handle)
            return nil
        }
        return handle
    }

    /// Why the address curl is about to connect to is not public, or `nil`.
    private static func refusal(of address: UnsafeMutablePointer<curl_sockaddr>) -> String? {
        guard let sockaddr = cc_sockaddr(address) else { return "is not an internet address" }
        switch Int32(address.pointee.family) {
        case AF_INET:
            return UnsafeRawPointer(sockaddr).withMemoryRebound(to: sockaddr_in.self, capacity: 1) { inet in
                let value = inet.pointee.sin_addr.s_addr  // network byte order
                return withUnsafeBytes(of: value) { PrivateAddress.refusal(ipv4: Array($0)) }
            }
        case AF_INET6:
            return UnsafeRawPointer(sockaddr).withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { inet6 in
                withUnsafeBytes(of: inet6.pointee.sin6_addr) { PrivateAddress.refusal(ipv6: Array($0)) }
            }
        default:
            return "is not an internet address"
        }
    }

    private func response(of handle: UnsafeMutableRawPointer, _ transfer: Transfer, result: CURLcode) -> WebhookResponse {
        let elapsed = ContinuousClock.now - transfer.started
        let milliseconds = Int(elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let excerpt = String(decoding: transfer.body, as: UTF8.self)
        guard result == CURLE_OK else {
            let text = transfer.refusedAddress.map { "the host resolved to an address that \($0)" }
                ?? String(cString: curl_easy_strerror(result))
            return WebhookResponse(statusCode: nil, durationMilliseconds: milliseconds, error: text, bodyExcerpt: excerpt)
        }
        var status = 0
        _ = cc_easy_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &status)
        var retryAfter: TimeInterval?
        var header: UnsafeMutablePointer<curl_header>?
        if curl_easy_header(handle, "Retry-After", 0, UInt32(CURLH_HEADER), -1, &header) == CURLHE_OK, let header,
            let value = header.pointee.value, let seconds = TimeInterval(String(cString: value).trimmingCharacters(in: .whitespaces))
        {
            retryAfter = seconds
        }
        return WebhookResponse(
            statusCode: status, durationMilliseconds: milliseconds, error: nil, bodyExcerpt: excerpt, retryAfter: retryAfter)
    }

    private func finish(_ easy: UnsafeMutableRawPointer, _ transfer: Transfer, response: WebhookResponse) {
        curl_slist_free_all(transfer.headerList)
        curl_easy_cleanup(easy)
        transfer.continuation.resume(returning: response)
    }
}
