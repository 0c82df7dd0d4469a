/* placeholder until the recorder lands */
int main(void) { return 0; }
