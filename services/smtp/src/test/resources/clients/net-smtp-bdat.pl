#!/usr/bin/perl
# Submits one message with Perl's Net::SMTP (libnet, part of Debian's perl): STARTTLS, AUTH,
# then MAIL ... BODY=BINARYMIME and the message in BDAT chunks (RFC 3030) as the library sends them. Driven by RealClientsTest.
# Usage: net-smtp-bdat.pl HOST PORT USER PASSWORD FROM TO CHUNK...
use strict;
use warnings;
use Net::SMTP;

my ($host, $port, $user, $password, $from, $to, @chunks) = @ARGV;
die "usage: $0 HOST PORT USER PASSWORD FROM TO CHUNK...\n" unless @chunks;
for (@chunks) { s/\\r/\r/g; s/\\n/\n/g; }

my $smtp = Net::SMTP->new($host, Port => $port, Hello => 'client.example', Timeout => 20)
    or die "connect: $@\n";
$smtp->starttls(SSL_verify_mode => 0) or die "STARTTLS: " . $smtp->message;
$smtp->supports('CHUNKING') or die "no CHUNKING after STARTTLS\n";
$smtp->auth($user, $password) or die "AUTH: " . $smtp->code . " " . $smtp->message;
# Net::SMTP sends BDAT only for BODY=BINARYMIME (RFC 3030 §3), which it asks for with Bits => 'binary'.
$smtp->supports('BINARYMIME') or die "no BINARYMIME\n";
$smtp->mail($from, Bits => 'binary') or die "MAIL: " . $smtp->message;
${*$smtp}{'net_smtp_chunking'} or die "Net::SMTP did not switch to BDAT\n";
$smtp->to($to) or die "RCPT: " . $smtp->message;
my $last = pop @chunks;
for my $chunk (@chunks) {
    $smtp->bdat($chunk) or die "BDAT: " . $smtp->code . " " . $smtp->message;
}
$smtp->bdatlast($last) or die "BDAT LAST: " . $smtp->code . " " . $smtp->message;
print "final: ", $smtp->code, " ", $smtp->message;
$smtp->quit;
