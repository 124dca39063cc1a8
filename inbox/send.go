package inbox

import (
	"errors"
	"fmt"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// errNotSent wraps a failure before the answer's data was handed over:
// nothing left, so the answer may be tried again.
var errNotSent = errors.New("not sent")

// errRefused wraps the SMTP server's permanent refusal of the citizen's
// address (5.1.x) or of the answer itself (5xx to its data): nothing
// left, and trying again will not help.
var errRefused = errors.New("address refused")

// send hands the answer of p to the SMTP server. An error wrapping
// errNotSent means it surely did not leave; any other, that it may have.
func (in *Inbox) send(p *plan) error {
	addr := in.smtp.addr
	c, err := dialServer(in.smtp, func(a string) (*smtp.Client, error) {
		switch in.smtp.t {
		case implicitTLS:
			return smtp.DialTLS(a, in.tlsConfig(addr))
		case startTLS:
			return smtp.DialStartTLS(a, in.tlsConfig(addr))
		}
		return smtp.Dial(a)
	})
	if err != nil {
		return fmt.Errorf("%w: smtp connect %s: %w", errNotSent, addr, err)
	}
	defer c.Close()
	if in.cfg.SMTPUser != "" {
		var auth sasl.Client
		switch {
		case c.SupportsAuth(sasl.Plain):
			auth = sasl.NewPlainClient("", in.cfg.SMTPUser, in.cfg.SMTPPassword)
		case c.SupportsAuth(sasl.Login):
			// Older servers, Exchange among them, offer only LOGIN.
			auth = sasl.NewLoginClient(in.cfg.SMTPUser, in.cfg.SMTPPassword)
		default:
			return fmt.Errorf("%w: smtp: the server offers neither AUTH PLAIN nor LOGIN", errNotSent)
		}
		if err := c.Auth(auth); err != nil {
			return fmt.Errorf("%w: smtp auth: %w", errNotSent, err)
		}
	}
	if err := c.Mail(in.cfg.From.Address, nil); err != nil {
		return fmt.Errorf("%w: smtp MAIL FROM: %s", errNotSent, smtpReply(err))
	}
	for i, to := range p.to {
		err := c.Rcpt(to, nil)
		switch {
		case err == nil:
		case i > 0:
			// A copy (--bcc) the server refuses does not hold up the
			// citizen's answer.
			in.cfg.Log.Warn("inbox: smtp refused a copy", "rcpt", i, "err", smtpReply(err))
		case badAddress(err):
			return fmt.Errorf("%w: smtp RCPT TO: %s", errRefused, smtpReply(err))
		default:
			// 5xx other than a bad address (relay denied, quota) is
			// the office's to fix, not the citizen's: tried again.
			return fmt.Errorf("%w: smtp RCPT TO: %s", errNotSent, smtpReply(err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("%w: smtp DATA: %s", errNotSent, smtpReply(err))
	}
	if _, err := w.Write(p.reply); err != nil {
		// The final dot was not sent: the server cannot have taken it.
		w.Close()
		return fmt.Errorf("%w: smtp data: %s", errNotSent, smtpReply(err))
	}
	if err := w.Close(); err != nil {
		// The server's reply to the final dot says whether it took the
		// answer; a connection lost before the reply leaves it unknown.
		var se *smtp.SMTPError
		switch {
		case errors.As(err, &se) && se.Code >= 500:
			return fmt.Errorf("%w: smtp data: %s", errRefused, smtpReply(err))
		case errors.As(err, &se) && se.Code >= 400:
			return fmt.Errorf("%w: smtp data: %s", errNotSent, smtpReply(err))
		}
		return fmt.Errorf("smtp data: %s", smtpReply(err))
	}
	c.Quit()
	return nil
}

// badAddress reports whether err is a permanent refusal of the address
// itself: enhanced status 5.1.x (RFC 3463: bad mailbox, bad domain, bad
// syntax).
func badAddress(err error) bool {
	var se *smtp.SMTPError
	return errors.As(err, &se) && se.Code >= 500 && se.EnhancedCode[0] == 5 && se.EnhancedCode[1] == 1
}

// smtpReply describes an SMTP error by its codes only: servers repeat the
// recipient's address in their text, and the logs carry no address.
func smtpReply(err error) string {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		ec := se.EnhancedCode
		return fmt.Sprintf("%d %d.%d.%d", se.Code, ec[0], ec[1], ec[2])
	}
	return err.Error()
}
