// swift-tools-version: 6.2
import PackageDescription

/// Supportmarket: the backend of a marketplace for social care and community support.
///
/// The module graph is the architecture (see README, "Architecture"):
/// MarketCore (values, rules) <- MarketStore (GRDB) <- MarketAPI (Hummingbird) <- supportmarket.
/// Webhooks (signing, the libcurl transport) depends on CCurl and MarketCore only; MarketAPI's
/// dispatcher drives it.
let package = Package(
    name: "supportmarket",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "supportmarket", targets: ["supportmarket"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .target(
            name: "MarketCore",
            path: "Sources/MarketCore"
        ),
        .target(
            name: "MarketStore",
            dependencies: [
                "MarketCore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // bcrypt, behind MarketStore's `PasswordAlgorithm`: the stores never link a web framework.
        .target(
            name: "Passwords",
            dependencies: [
                "MarketStore",
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            ]
        ),
        .systemLibrary(
            name: "CCurl",
            path: "Sources/CCurl",
            pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]
        ),
        .target(
            name: "Webhooks",
            dependencies: [
                "MarketCore",
                "CCurl",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MarketAPI",
            dependencies: [
                "MarketCore",
                "MarketStore",
                "Passwords",
                "Webhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "supportmarket",
            dependencies: [
                "MarketCore",
                "MarketStore",
                "MarketAPI",
                "Passwords",
                "Webhooks",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        /// bench/orders.sh's baseline: the rows of one order placement, written by plain SQLite.
        .executableTarget(
            name: "order-storage-baseline",
            dependencies: [.product(name: "GRDB", package: "GRDB.swift")],
            path: "bench/OrderStorageBaseline"
        ),
        /// bench/catalogue.sh's baseline: a bare Hummingbird hello world, the framework's ceiling.
        .executableTarget(
            name: "hello-baseline",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")],
            path: "bench/HelloBaseline"
        ),
        .testTarget(
            name: "SupportmarketTests",
            dependencies: [
                "MarketCore",
                "MarketStore",
                "MarketAPI",
                "Passwords",
                "Webhooks",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
