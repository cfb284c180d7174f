namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// nginx on 127.0.0.1 at a free port, terminating TLS with <see cref="TestCertificate"/> and
/// offering HTTP/2 (ALPN h2), passing requests to a plain HTTP/1.1 backend. Its access log says
/// which protocol each request came in with. Files live in a temporary directory removed on dispose.
/// </summary>
internal sealed class NginxHttp2Proxy : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("sharptun-nginx-").FullName;
    private readonly TestProcess? _process;

    public NginxHttp2Proxy(int backendPort)
    {
        try
        {
            Port = TestProcess.FreePort();
            File.WriteAllText(Path.Combine(_directory, "cert.pem"), TestCertificate.CertificatePem);
            File.WriteAllText(Path.Combine(_directory, "key.pem"), TestCertificate.KeyPem);
            var config = Path.Combine(_directory, "nginx.conf");
            File.WriteAllText(config, $$"""
                daemon off;
                master_process off;
                worker_processes 1;
                pid {{_directory}}/nginx.pid;
                error_log stderr notice;
                events { worker_connections 64; }
                http {
                    log_format protocol '$server_protocol $request_method $request_uri $status';
                    access_log {{_directory}}/access.log protocol;
                    client_body_temp_path {{_directory}}/body;
                    proxy_temp_path {{_directory}}/proxy;
                    fastcgi_temp_path {{_directory}}/fastcgi;
                    uwsgi_temp_path {{_directory}}/uwsgi;
                    scgi_temp_path {{_directory}}/scgi;
                    server {
                        listen 127.0.0.1:{{Port}} ssl http2;
                        ssl_certificate {{_directory}}/cert.pem;
                        ssl_certificate_key {{_directory}}/key.pem;
                        location / {
                            proxy_pass http://127.0.0.1:{{backendPort}};
                            proxy_http_version 1.1;
                            proxy_set_header Connection "";
                        }
                    }
                }
                """);
            _process = new TestProcess("nginx", "nginx", ["-e", "stderr", "-p", _directory, "-c", config], Port);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public int Port { get; }

    /// <summary>The access log lines: "HTTP/2.0 POST /dns-query 200".</summary>
    public string[] AccessLog
    {
        get
        {
            var path = Path.Combine(_directory, "access.log");
            return File.Exists(path) ? File.ReadAllLines(path) : [];
        }
    }

    public string Output => _process?.Output ?? "";

    public void Dispose()
    {
        _process?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
