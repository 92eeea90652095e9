"""What tests (and benchmarks) need and production never imports: fakes of the providers on loopback
(`http.ScriptedHTTPServer` under each HTTP one, `smtp.FakeSmtpServer`), payload builders, the live
stack (real daphne + a real Celery worker), the browser, the pytest plugin and one `wait_until`."""
