import Hummingbird

// The framework's ceiling, for bench/catalogue.sh: a bare Hummingbird application on the same
// machine, answering `GET /health` with a small JSON body and nothing around it (no middleware,
// no database). `/health` of the real service is reported as a ratio of this.
//
// hello-baseline [--port N]

let arguments = CommandLine.arguments
let port = arguments.firstIndex(of: "--port").flatMap { arguments.indices.contains($0 + 1) ? Int(arguments[$0 + 1]) : nil } ?? 18081

let router = Router()
router.get("health") { _, _ -> Response in
    var headers = HTTPFields()
    headers[.contentType] = "application/json"
    return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: #"{"status":"ok","database":"ok"}"#)))
}
let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
try await app.runService()
