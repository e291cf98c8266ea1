import CCurl

/// The linked libcurl. Delivery over curl's multi interface arrives with the webhooks issue;
/// this proves the system-library target links and reports which curl the service runs on.
public enum Curl {
    /// libcurl's version string, such as `libcurl/7.88.1 OpenSSL/3.0.17 zlib/1.2.13`.
    public static var version: String {
        String(cString: curl_version())
    }
}
