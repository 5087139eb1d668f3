/* placeholder until the devices and CPU land */
int main(void) { return 1; }
